"""Finding the streams inside containers (VCR cassettes, HAR files) and mapping their positions back
to the container's own lines.
"""
