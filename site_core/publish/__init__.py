"""The publish plan shared by the CLI and the function: what to send, and its JSON wire form."""
