"""Replication between village kiosks and the township server.

This package knows nothing about features. Features only subclass :class:`sync.store.SyncedRecord`;
everything a record needs to replicate (ids, scope, version, clock, tombstone) lives here.
"""
