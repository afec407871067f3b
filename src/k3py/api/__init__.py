"""Kubernetes objects as plain dicts and the pure rules over them: the resource table,
discovery documents, schemas, defaulting, validation, selectors, patches, Tables, Status.
No I/O and no asyncio here."""
