package driver

import (
	"google.golang.org/protobuf/proto"

	"streamconform/peers/go/pb"
)

// Method is one DataService method as the driver calls it.
type Method struct {
	CLIName, RPCName, Path string
	NewRequest             func() proto.Message
	NewResponse            func() proto.Message
}

var methods = []*Method{
	{"get", "GetData", "/streaming.DataService/GetData",
		func() proto.Message { return new(pb.StreamRequest) },
		func() proto.Message { return new(pb.StreamResponse) }},
	{"subscribe", "SubscribeData", "/streaming.DataService/SubscribeData",
		func() proto.Message { return new(pb.StreamRequest) },
		func() proto.Message { return new(pb.StreamResponse) }},
	{"upload", "UploadFile", "/streaming.DataService/UploadFile",
		func() proto.Message { return new(pb.UploadRequest) },
		func() proto.Message { return new(pb.UploadResponse) }},
	{"chat", "Chat", "/streaming.DataService/Chat",
		func() proto.Message { return new(pb.ChatMessage) },
		func() proto.Message { return new(pb.ChatMessage) }},
}

// LookupMethod accepts the RPC name, the full path or the CLI name; nil when unknown.
func LookupMethod(text string) *Method {
	for _, m := range methods {
		if text == m.CLIName || text == m.RPCName || text == m.Path {
			return m
		}
	}
	return nil
}
