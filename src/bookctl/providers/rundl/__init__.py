"""rundl."""
