"""Linzhu (邻助): the multilingual assistant of the Hongqiao international residents' services."""

__version__ = "0.1.0"
