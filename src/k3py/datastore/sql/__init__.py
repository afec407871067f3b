"""SQL drivers: one append-only log table per database, written in small serialized batches.

Layering (after kine): ``log`` (the Backend: batching writer, poller, compactor, lease reaper)
<- ``steps`` (the SQL conversations, written once as I/O-free generators)
<- ``dialect`` (each database's SQL text) <- one module per database that owns connections.
"""
