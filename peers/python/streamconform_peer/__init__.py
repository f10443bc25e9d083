"""The streamconform Python peer: a DataService server and a client driver speaking the contract of
docs/peer-protocol.md, on grpcio (asyncio API)."""
