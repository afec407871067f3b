"""Defaulting of built-in objects, one module per area; :mod:`k3py.api.defaults` is the entry
point. Every function takes a dict and returns it unchanged (the same object) when nothing was
missing, or a new dict that shares every untouched subtree with the input: the caller's object
is never modified and an already-defaulted object costs no copying at all."""
