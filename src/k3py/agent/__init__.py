"""The agent role: join a cluster through a server's supervisor API (TLS bootstrap with
the token), then run this host's node."""
