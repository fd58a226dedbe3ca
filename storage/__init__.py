"""Storage: the contract (base), the records, and the two stores: in memory, and durable on TinyDB (tinydb/)."""
