"""bookingbug."""
