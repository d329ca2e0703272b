"""Records, retrieval store and shipped coaching corpus: the bottom layer of the coach."""
