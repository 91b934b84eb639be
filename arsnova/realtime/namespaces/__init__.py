"""The Socket.IO namespaces: `/` (the legacy events) and `/events` (the reliable stream)."""
