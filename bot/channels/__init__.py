"""One adapter per platform; every channel has the shape of `base.Channel`."""
