package driver

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
)

// value is a parsed JSON value that keeps object members in their order (the C driver reports
// the first offending member in document order).
type value struct {
	kind    byte // 'o' object, 'a' array, 's' string, 'n' number, 'b' bool, 'z' null
	str     string
	num     json.Number
	b       bool
	members []member
	items   []*value
}

type member struct {
	key string
	val *value
}

// parseJSON reads one JSON value from text (what follows it is ignored, as cJSON_Parse does).
func parseJSON(text []byte) (*value, error) {
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.UseNumber()
	return decodeValue(dec)
}

func decodeValue(dec *json.Decoder) (*value, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			return decodeObject(dec)
		case '[':
			return decodeArray(dec)
		}
		return nil, errors.New("unexpected delimiter")
	case string:
		return &value{kind: 's', str: t}, nil
	case json.Number:
		return &value{kind: 'n', num: t}, nil
	case bool:
		return &value{kind: 'b', b: t}, nil
	case nil:
		return &value{kind: 'z'}, nil
	}
	return nil, errors.New("unexpected token")
}

func decodeObject(dec *json.Decoder) (*value, error) {
	v := &value{kind: 'o'}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, ok := tok.(string)
		if !ok {
			return nil, errors.New("object key is not a string")
		}
		val, err := decodeValue(dec)
		if err != nil {
			return nil, err
		}
		v.members = append(v.members, member{key, val})
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	return v, nil
}

func decodeArray(dec *json.Decoder) (*value, error) {
	v := &value{kind: 'a'}
	for dec.More() {
		item, err := decodeValue(dec)
		if err != nil {
			return nil, err
		}
		v.items = append(v.items, item)
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	return v, nil
}

// get is the first member named key, or nil (a nil *value is "absent").
func (v *value) get(key string) *value {
	if v == nil || v.kind != 'o' {
		return nil
	}
	for _, m := range v.members {
		if m.key == key {
			return m.val
		}
	}
	return nil
}

// absent is true for a missing member or JSON null.
func (v *value) absent() bool {
	return v == nil || v.kind == 'z'
}

// marshal writes v back as compact JSON.
func (v *value) marshal(b *bytes.Buffer) {
	switch v.kind {
	case 'o':
		b.WriteByte('{')
		for i, m := range v.members {
			if i > 0 {
				b.WriteByte(',')
			}
			k, _ := json.Marshal(m.key)
			b.Write(k)
			b.WriteByte(':')
			m.val.marshal(b)
		}
		b.WriteByte('}')
	case 'a':
		b.WriteByte('[')
		for i, item := range v.items {
			if i > 0 {
				b.WriteByte(',')
			}
			item.marshal(b)
		}
		b.WriteByte(']')
	case 's':
		s, _ := json.Marshal(v.str)
		b.Write(s)
	case 'n':
		b.WriteString(string(v.num))
	case 'b':
		b.WriteString(strconv.FormatBool(v.b))
	default:
		b.WriteString("null")
	}
}
