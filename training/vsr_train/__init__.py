"""Training, export and evaluation code for vsr's luma super-resolution models."""
