// Command go_peer checks a Truce log with Go's own golang.org/x/mod/sumdb
// packages, as an independent implementation: the checkpoint signature
// (sumdb/note), every tile against the tree hash and every entry against
// its leaf hash (sumdb/tlog's TileHashReader verifies each tile it reads),
// inclusion proofs for every entry, consistency proofs, and a tlog-proof
// file written by Truce.
//
// Build in GOPATH mode with Debian's golang-golang-x-mod-dev:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go run main.go -dir DIR -vkey VKEY [-proof FILE -entry FILE]
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// c2spPath is the C2SP tlog-tiles path of a tile: unlike Go's own
// Tile.Path, it has no height element, and entry bundles live under
// tile/entries.
func c2spPath(t tlog.Tile) string {
	n := t.N
	index := fmt.Sprintf("%03d", n%1000)
	for n >= 1000 {
		n /= 1000
		index = fmt.Sprintf("x%03d/", n%1000) + index
	}
	level := strconv.Itoa(t.L)
	if t.L < 0 {
		level = "entries"
	}
	path := "tile/" + level + "/" + index
	if t.W != 1<<t.H {
		path += fmt.Sprintf(".p/%d", t.W)
	}
	return path
}

type dirTiles struct{ dir string }

func (d dirTiles) Height() int { return 8 }

func (d dirTiles) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		data, err := os.ReadFile(filepath.Join(d.dir, c2spPath(t)))
		if err != nil {
			return nil, err
		}
		out[i] = data
	}
	return out, nil
}

func (d dirTiles) SaveTiles(tiles []tlog.Tile, data [][]byte) {}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "go peer: "+format+"\n", args...)
	os.Exit(1)
}

// parseCheckpoint reads a C2SP checkpoint body: origin, size, root.
func parseCheckpoint(text string) (string, int64, tlog.Hash) {
	lines := strings.Split(text, "\n")
	if len(lines) < 4 {
		fail("checkpoint body has %d lines", len(lines))
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		fail("checkpoint size: %v", err)
	}
	root, err := tlog.ParseHash(lines[2])
	if err != nil {
		fail("checkpoint root: %v", err)
	}
	return lines[0], size, root
}

func main() {
	dir := flag.String("dir", "", "log directory")
	vkey := flag.String("vkey", "", "log verifier key")
	proofFile := flag.String("proof", "", "a tlog-proof file to check")
	entryFile := flag.String("entry", "", "the entry the tlog-proof is for")
	flag.Parse()

	verifier, err := note.NewVerifier(*vkey)
	if err != nil {
		fail("verifier key: %v", err)
	}
	raw, err := os.ReadFile(filepath.Join(*dir, "checkpoint"))
	if err != nil {
		fail("%v", err)
	}
	n, err := note.Open(raw, note.VerifierList(verifier))
	if err != nil {
		fail("checkpoint signature: %v", err)
	}
	origin, size, root := parseCheckpoint(n.Text)

	tree := tlog.Tree{N: size, Hash: root}
	reader := tlog.TileHashReader(tree, dirTiles{*dir})
	computed, err := tlog.TreeHash(size, reader)
	if err != nil {
		fail("tree hash: %v", err)
	}
	if computed != root {
		fail("tree hash %v, checkpoint says %v", computed, root)
	}

	// Every entry: its record hash is the stored level 0 hash, and its
	// inclusion proof checks against the root.
	checked := int64(0)
	for b := int64(0); b*256 < size; b++ {
		width := size - b*256
		if width > 256 {
			width = 256
		}
		bundle := tlog.Tile{H: 8, L: -1, N: b, W: int(width)}
		data, err := os.ReadFile(filepath.Join(*dir, c2spPath(bundle)))
		if err != nil {
			fail("%v", err)
		}
		for i := int64(0); i < width; i++ {
			if len(data) < 2 {
				fail("bundle %d truncated", b)
			}
			length := int(binary.BigEndian.Uint16(data))
			entry := data[2 : 2+length]
			data = data[2+length:]
			index := b*256 + i
			hash := tlog.RecordHash(entry)
			stored, err := reader.ReadHashes([]int64{tlog.StoredHashIndex(0, index)})
			if err != nil {
				fail("entry %d: %v", index, err)
			}
			if stored[0] != hash {
				fail("entry %d: tile hash %v, record hash %v", index, stored[0], hash)
			}
			proof, err := tlog.ProveRecord(size, index, reader)
			if err != nil {
				fail("prove entry %d: %v", index, err)
			}
			if err := tlog.CheckRecord(proof, size, root, index, hash); err != nil {
				fail("check entry %d: %v", index, err)
			}
			checked++
		}
		if len(data) != 0 {
			fail("bundle %d has %d trailing bytes", b, len(data))
		}
	}

	// Consistency of earlier trees with this one.
	for _, old := range []int64{1, 2, 3, 255, 256, 257, 65535, 65536, size / 3, size - 1, size} {
		if old < 1 || old > size {
			continue
		}
		oldHash, err := tlog.TreeHash(old, reader)
		if err != nil {
			fail("tree hash %d: %v", old, err)
		}
		proof, err := tlog.ProveTree(size, old, reader)
		if err != nil {
			fail("prove tree %d: %v", old, err)
		}
		if err := tlog.CheckTree(proof, size, root, old, oldHash); err != nil {
			fail("check tree %d: %v", old, err)
		}
	}

	if *proofFile != "" {
		checkTlogProof(*proofFile, *entryFile, verifier, origin)
	}
	fmt.Printf("go peer: %s verified: %d entries, root %s\n", origin, checked, base64.StdEncoding.EncodeToString(root[:]))
}

// checkTlogProof checks a c2sp.org/tlog-proof@v1 file with Go's tlog.
func checkTlogProof(proofFile, entryFile string, verifier note.Verifier, origin string) {
	text, err := os.ReadFile(proofFile)
	if err != nil {
		fail("%v", err)
	}
	entry, err := os.ReadFile(entryFile)
	if err != nil {
		fail("%v", err)
	}
	parts := bytes.SplitN(text, []byte("\n\n"), 2)
	if len(parts) != 2 {
		fail("tlog-proof: no empty line")
	}
	lines := strings.Split(string(parts[0]), "\n")
	if lines[0] != "c2sp.org/tlog-proof@v1" || !strings.HasPrefix(lines[1], "index ") {
		fail("tlog-proof: bad header")
	}
	index, err := strconv.ParseInt(strings.TrimPrefix(lines[1], "index "), 10, 64)
	if err != nil {
		fail("tlog-proof index: %v", err)
	}
	var proof tlog.RecordProof
	for _, line := range lines[2:] {
		h, err := tlog.ParseHash(line)
		if err != nil {
			fail("tlog-proof hash: %v", err)
		}
		proof = append(proof, h)
	}
	n, err := note.Open(parts[1], note.VerifierList(verifier))
	if err != nil {
		fail("tlog-proof checkpoint: %v", err)
	}
	proofOrigin, size, root := parseCheckpoint(n.Text)
	if proofOrigin != origin {
		fail("tlog-proof origin %q", proofOrigin)
	}
	if err := tlog.CheckRecord(proof, size, root, index, tlog.RecordHash(entry)); err != nil {
		fail("tlog-proof: %v", err)
	}
	fmt.Printf("go peer: tlog-proof for entry %d at size %d verified\n", index, size)
}
