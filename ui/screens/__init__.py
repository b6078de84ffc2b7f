"""The shell's screens, one module each."""
