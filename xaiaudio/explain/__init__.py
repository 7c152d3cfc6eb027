"""Stage 7: LRP from scratch and with zennit, gradient methods, the
registry, relevance statistics."""
