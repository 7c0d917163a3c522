package store_test

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/tftsr/tftsr-mcp/store/extract/extracttest"
)

// benchPcapBytes is the capture size BenchmarkIngestPcap generates:
// TFTSR_BENCH_PCAP_MB (MiB), default 500.
func benchPcapBytes(tb testing.TB) int64 {
	tb.Helper()
	mib := int64(500)
	if s := os.Getenv("TFTSR_BENCH_PCAP_MB"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 1 {
			tb.Fatalf("TFTSR_BENCH_PCAP_MB=%q: want a positive integer (MiB)", s)
		}
		mib = n
	}
	return mib << 20
}

// genPcap writes a capture of about size bytes: per 8 packets a DNS query
// and answer, an HTTP request and five full-size data segments.
func genPcap(b *testing.B, size int64) (string, int64) {
	b.Helper()
	path := filepath.Join(b.TempDir(), "big.pcap")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	pw := pcapgo.NewWriter(bw)
	if err := pw.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		b.Fatal(err)
	}
	buf := gopacket.NewSerializeBuffer()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var n int64 = 24
	kinds := []int{extracttest.DNSQuery, extracttest.DNSAnswer, extracttest.HTTPGet,
		extracttest.TCPAck, extracttest.TCPAck, extracttest.TCPAck, extracttest.TCPAck, extracttest.TCPAck}
	for i := 0; n < size; i++ {
		p := extracttest.Packet{Kind: kinds[i%8], Name: "svc" + strconv.Itoa(i%1000) + ".example.test", Time: t0.Add(time.Duration(i) * time.Microsecond), Payload: 1400}
		if p.Kind == extracttest.HTTPGet {
			p.Name = "/items/" + strconv.Itoa(i)
		}
		if err := extracttest.Serialize(buf, p, i); err != nil {
			b.Fatal(err)
		}
		d := buf.Bytes()
		if err := pw.WritePacket(gopacket.CaptureInfo{Timestamp: p.Time, CaptureLength: len(d), Length: len(d)}, d); err != nil {
			b.Fatal(err)
		}
		n += 16 + int64(len(d))
	}
	if err := bw.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return path, n
}

// BenchmarkIngestPcap ingests a generated capture (TFTSR_BENCH_PCAP_MB,
// default 500 MiB) with UploadLogFile in a child process: extraction to
// one line per packet, the text through the log pipeline and the original
// into tftsrmcp_log_originals. Target: peak RSS under 200 MB.
func BenchmarkIngestPcap(b *testing.B) {
	start := time.Now()
	path, size := genPcap(b, benchPcapBytes(b))
	b.Logf("generated %d bytes of pcap in %v", size, time.Since(start).Round(time.Millisecond))
	var c cmdCost
	for b.Loop() {
		cc, dir := ingestInChild(b, path, size)
		c = c.add(cc)
		os.RemoveAll(dir)
	}
	n := int64(b.N) * size
	b.ReportMetric(mbps(n, c.wall), "ingest-MB/s")
	b.ReportMetric(float64(c.rss)/1e6, "peak-RSS-MB")
	b.ReportMetric(float64(size)/1e6, "pcap-MB")
}
