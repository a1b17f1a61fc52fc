"""Street graphs, snapping, travel-time matrices, the optimiser and directions."""
