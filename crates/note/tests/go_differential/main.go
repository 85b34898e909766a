// Reads notes to verify, one per line, as "VKEY[,VKEY...] BASE64(NOTE)",
// and writes for each, on a line, what Go's golang.org/x/mod/sumdb/note
// makes of it with those keys: "ok BASE64(TEXT) NAME[,NAME...]" (the names
// of the keys whose signatures verified, in the note's order) or "error".
// The Rust side (../go_differential.rs) compares it with truce-note.
package main

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"os"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<24)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for in.Scan() {
		fields := strings.SplitN(in.Text(), " ", 2)
		if len(fields) != 2 {
			fmt.Fprintln(os.Stderr, "a line without keys and a note")
			os.Exit(2)
		}
		var verifiers []note.Verifier
		for _, vkey := range strings.Split(fields[0], ",") {
			v, err := note.NewVerifier(vkey)
			if err != nil {
				fmt.Fprintln(os.Stderr, "a key Go does not read:", vkey, err)
				os.Exit(2)
			}
			verifiers = append(verifiers, v)
		}
		msg, err := base64.StdEncoding.DecodeString(fields[1])
		if err != nil {
			fmt.Fprintln(os.Stderr, "bad base64:", err)
			os.Exit(2)
		}
		n, err := note.Open(msg, note.VerifierList(verifiers...))
		if err != nil {
			fmt.Fprintln(out, "error")
			continue
		}
		var names []string
		for _, s := range n.Sigs {
			names = append(names, s.Name)
		}
		fmt.Fprintf(out, "ok %s %s\n", base64.StdEncoding.EncodeToString([]byte(n.Text)), strings.Join(names, ","))
	}
}
