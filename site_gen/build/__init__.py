"""The build: read the site, build the immutable model, render artifacts, write them once."""
