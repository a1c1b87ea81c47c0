"""guestmanager."""
