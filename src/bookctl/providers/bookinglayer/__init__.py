"""bookinglayer."""
