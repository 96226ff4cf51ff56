package restli

import (
	"strconv"
	"testing"
)

func benchRecords(n int) []Record {
	recs := make([]Record, n)
	for i := range recs {
		recs[i] = Record{
			{"recordId", "contact-" + strconv.Itoa(i) + ",ü"},
			{"partner", "MS"},
			{"instanceId", "contoso.crm.dynamics.com"},
		}
	}
	return recs
}

func BenchmarkRecordString(b *testing.B) {
	rec := benchRecords(1)[0]
	b.ReportAllocs()
	for b.Loop() {
		_ = rec.String()
	}
}

func BenchmarkList(b *testing.B) {
	recs := benchRecords(40)
	b.ReportAllocs()
	for b.Loop() {
		_ = List(recs...)
	}
}

func BenchmarkParseList(b *testing.B) {
	s := List(benchRecords(40)...)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseList(s); err != nil {
			b.Fatal(err)
		}
	}
}
