// Command go_tree_hash times Go's golang.org/x/mod/sumdb/tlog building a
// tree: for each record, its stored hashes (the leaf hash and every node it
// completes), then the tree hash. It prints the seconds taken.
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go run main.go LEAVES RECORD_SIZE
package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

func main() {
	leaves, _ := strconv.ParseInt(os.Args[1], 10, 64)
	size, _ := strconv.Atoi(os.Args[2])
	records := make([][]byte, leaves)
	for i := range records {
		// The same records as the Rust side: {"entry":i,"pad":"xxx"}\n
		prefix := fmt.Sprintf("{\"entry\":%d,\"pad\":\"", i)
		records[i] = []byte(prefix + strings.Repeat("x", size-3-len(prefix)) + "\"}\n")
	}
	start := time.Now()
	var stored []tlog.Hash
	reader := tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		for i, index := range indexes {
			out[i] = stored[index]
		}
		return out, nil
	})
	for i, record := range records {
		hashes, err := tlog.StoredHashes(int64(i), record, reader)
		if err != nil {
			panic(err)
		}
		stored = append(stored, hashes...)
	}
	if _, err := tlog.TreeHash(leaves, reader); err != nil {
		panic(err)
	}
	fmt.Printf("%.6f\n", time.Since(start).Seconds())
}
