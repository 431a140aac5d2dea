"""Torget: the dialogue between citizens and their municipality."""
