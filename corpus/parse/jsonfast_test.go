package parse

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/newsbot/newsbot/corpus"
)

// agreeWithStdlib fails t when decodeObject or unquoteString accepted raw
// but decoded it differently from encoding/json, the reference.
func agreeWithStdlib(t *testing.T, raw []byte) (fast bool) {
	t.Helper()
	got, ok := decodeObject(raw)
	var want map[string]json.RawMessage
	err := json.Unmarshal(raw, &want)
	if !ok {
		return false
	}
	if err != nil {
		t.Fatalf("decodeObject accepted %q, encoding/json refuses it: %v", raw, err)
	}
	if !maps.EqualFunc(got, want, func(a, b json.RawMessage) bool { return bytes.Equal(a, b) }) {
		t.Fatalf("decodeObject(%q) = %q, encoding/json gives %q", raw, got, want)
	}
	for k, v := range got {
		s, ok := unquoteString(v)
		if !ok {
			continue
		}
		var ref string
		if err := json.Unmarshal(v, &ref); err != nil || s != ref {
			t.Fatalf("unquoteString of member %q = %q; encoding/json: %q, %v", k, s, ref, err)
		}
	}
	return true
}

func TestDecodeObject(t *testing.T) {
	for _, tc := range []struct {
		name string
		raw  string
		fast bool // the fast path is expected to take it
	}{
		{"plain record", `{"url":"https://x.test/a","title":"A title","body":"Text.\n\nMore text.","published_at":"2025-03-01T10:00:00Z"}`, true},
		{"white space everywhere", " { \"body\" :\t\"x\" , \"n\" : 12.5e3 , \"ok\": true, \"none\" : null }  ", true},
		{"escapes in values", `{"body":"She said \"no\" \\ \/ \b\f\n\r\t \u00e9\u2019 \ud83d\ude00 \u003c"}`, true},
		{"lone surrogates become U+FFFD", `{"body":"\ud83d x \ude00 \ud83d\u0041"}`, true},
		{"nested values", `{"author":[{"name":"A \"B\""},{"name":"C ]}"}],"source":{"name":"Outlet"},"body":"x"}`, true},
		{"duplicate keys: the last wins", `{"body":"one","body":"two"}`, true},
		{"empty object", `{}`, true},
		{"UTF-8 text", `{"body":"Zürich – 東京 ✓"}`, true},
		{"escaped key: left to encoding/json", `{"b\u006fdy":"x"}`, false},
		{"invalid UTF-8: left to encoding/json", "{\"body\":\"a\xffb\"}", false},
		{"control character", "{\"body\":\"a\tb\"}", false},
		{"trailing comma", `{"body":"x",}`, false},
		{"trailing garbage", `{"body":"x"} x`, false},
		{"bad number", `{"n":01}`, false},
		{"bad literal", `{"n":tru}`, false},
		{"unclosed string", `{"body":"x}`, false},
		{"unclosed object", `{"body":"x"`, false},
		{"not an object", `["body"]`, false},
		{"bad escape", `{"body":"\x"}`, false},
		{"bad nested value", `{"a":[1,,2],"body":"x"}`, false},
		{"byte order mark", "\xef\xbb\xbf{\"body\":\"x\"}", false},
		{"nested 64 deep", `{"body":"x","a":` + strings.Repeat("[", 64) + strings.Repeat("]", 64) + `}`, true},
		// encoding/json counts the record itself: 10,000 levels inside a
		// member are one too many for it, though json.Valid takes the
		// member alone.
		{"nested 10,000 deep: left to encoding/json", `{"body":"x","a":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if fast := agreeWithStdlib(t, []byte(tc.raw)); fast != tc.fast {
				t.Errorf("fast path taken = %v, want %v", fast, tc.fast)
			}
		})
	}
}

// FuzzDecodeObject checks that whatever the fast path accepts, encoding/json
// accepts and decodes the same way.
func FuzzDecodeObject(f *testing.F) {
	for _, s := range []string{
		`{"body":"x","title":"t \"q\" \u00e9 \ud83d\ude00","n":1.5,"a":[1,{"b":null}],"t":true}`,
		`{"body":"\ud800\udc00\udbff\udfff\ud800"}`,
		`{ }`, `{"a":{}}`, `{"a":"\/\\"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		agreeWithStdlib(t, raw)
	})
}

// BenchmarkReadJSONL reads a JSONL corpus of 2,000 news-sized records
// (about 2 KB of text each, with quotes, dashes and an escaped character,
// as exporters write them) without preparing them, as a bulk ingest reads.
func BenchmarkReadJSONL(b *testing.B) {
	var buf bytes.Buffer
	para := "The council said on Tuesday that the \"new\" bridge – 640 metres long – would open in 2027, a year late. Officials’ estimates rose to €120m. "
	for i := range 2000 {
		rec, err := json.Marshal(map[string]any{
			"url":          fmt.Sprintf("https://news.test/2025/story-%d", i),
			"title":        fmt.Sprintf("Story %d: the bridge & the budget", i),
			"source":       "News Test",
			"author":       []map[string]string{{"name": "A. Writer"}},
			"published_at": "2025-03-01T10:00:00Z",
			"body":         strings.Repeat(para+"\n\n", 7),
		})
		if err != nil {
			b.Fatal(err)
		}
		buf.Write(rec)
		buf.WriteByte('\n')
	}
	rd := Reader{Raw: true}
	b.SetBytes(int64(buf.Len()))
	for b.Loop() {
		n := 0
		err := rd.Read(context.Background(), "bench.jsonl", bytes.NewReader(buf.Bytes()), func(corpus.Article) error { n++; return nil }, nil)
		if err != nil || n != 2000 {
			b.Fatalf("read %d records: %v", n, err)
		}
	}
}

// TestPlainASCII checks the eight-byte test against a byte-by-byte one for
// every special byte at every position among plain ones.
func TestPlainASCII(t *testing.T) {
	plain := func(c byte) bool { return c >= 0x20 && c < 0x80 && c != '"' && c != '\\' }
	for c := range 256 {
		for pos := range 8 {
			w := []byte("abcdefgh")
			w[pos] = byte(c)
			if got, want := plainASCII(binary.LittleEndian.Uint64(w)), plain(byte(c)); got != want {
				t.Errorf("plainASCII(%q) = %v, want %v", w, got, want)
			}
		}
	}
}
