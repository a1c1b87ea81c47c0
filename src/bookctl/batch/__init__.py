"""Scripted bulk bookings: streaming readers, the journal, the runner, and the smoke flow."""
