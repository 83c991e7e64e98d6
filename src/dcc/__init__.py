"""DCC: Digital Command Center for digital and cyber diplomacy."""

__version__ = "0.1.0"
