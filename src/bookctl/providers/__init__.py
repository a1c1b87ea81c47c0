"""One module per booking platform: wire models from its document and the neutral mapping."""
