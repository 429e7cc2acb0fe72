"""Checkout service: quotes carts and takes payment."""
