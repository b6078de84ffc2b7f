"""Item models over the core's views, loaded lazily through ``ui.tasks``."""
