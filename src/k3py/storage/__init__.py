"""Kubernetes objects over the datastore: keys, resourceVersions, preconditions, finalizers
and graceful deletion, and a per-server watch cache that serves lists and watches from
memory while every write goes to the datastore."""

from k3py.storage.cache import CacheEvent, WatchCache, Watcher
from k3py.storage.objects import ListPage, ObjectStore

__all__ = ["CacheEvent", "ListPage", "ObjectStore", "WatchCache", "Watcher"]
