"""Views of a Result. Each presents; none decides a verdict or recomputes a figure."""
