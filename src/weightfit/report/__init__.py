"""The faces' rendering: terminal tables and text, and pictures."""
