// Command fakedaemon stands in for the AEGIS daemon in sidecar tests: it validates
// a NodeConfig file by the daemon's rules (internal/nodecheck), "restarts" (records
// the file it starts on and when it will be ready), and answers GET /health/ready.
//
//	fakedaemon validate [--refuse TEXT] FILE    exit 1 (rules broken, or FILE holds TEXT)
//	fakedaemon restart [--delay D] [--never-if TEXT] STATEDIR FILE
//	                                           ready D after now; never when FILE holds TEXT
//	fakedaemon serve STATEDIR ADDRFILE          serve /health/ready; write the address to ADDRFILE
//
// STATEDIR holds "ready-at" (Unix nanoseconds, or "never"), "restarts" (one line
// per restart: the sha256 of the file started on) — what a test inspects.
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/nodecheck"
)

func main() {
	if len(os.Args) < 2 {
		fail("usage: fakedaemon validate|restart|serve ...")
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	refuse := fs.String("refuse", "", "validate: refuse a file holding this text")
	delay := fs.Duration("delay", 300*time.Millisecond, "restart: time until ready")
	neverIf := fs.String("never-if", "", "restart: never get ready on a file holding this text")
	_ = fs.Parse(os.Args[2:])
	args := fs.Args()
	switch os.Args[1] {
	case "validate":
		if len(args) != 1 {
			fail("usage: fakedaemon validate [--refuse TEXT] FILE")
		}
		data := read(args[0])
		probs := nodecheck.Check(data)
		if *refuse != "" && bytes.Contains(data, []byte(*refuse)) {
			probs = append(probs, fmt.Sprintf("this daemon does not accept %q", *refuse))
		}
		if len(probs) > 0 {
			fmt.Fprintln(os.Stderr, "Error: invalid configuration:")
			for _, p := range probs {
				fmt.Fprintln(os.Stderr, "  - "+p)
			}
			os.Exit(1)
		}
		fmt.Println("configuration is valid")
	case "restart":
		if len(args) != 2 {
			fail("usage: fakedaemon restart [--delay D] [--never-if TEXT] STATEDIR FILE")
		}
		dir, data := args[0], read(args[1])
		if len(nodecheck.Check(data)) > 0 {
			fail("the daemon refuses to start on an invalid file")
		}
		readyAt := strconv.FormatInt(time.Now().Add(*delay).UnixNano(), 10)
		if *neverIf != "" && bytes.Contains(data, []byte(*neverIf)) {
			readyAt = "never"
		}
		sum := sha256.Sum256(data)
		appendLine(filepath.Join(dir, "restarts"), hex.EncodeToString(sum[:]))
		write(filepath.Join(dir, "ready-at"), readyAt)
		fmt.Println("daemon restarted")
	case "serve":
		if len(args) != 2 {
			fail("usage: fakedaemon serve STATEDIR ADDRFILE")
		}
		dir := args[0]
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			fail(err.Error())
		}
		http.HandleFunc("/health/ready", func(w http.ResponseWriter, _ *http.Request) {
			b, err := os.ReadFile(filepath.Join(dir, "ready-at")) //nolint:gosec // test helper
			at, perr := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
			if err != nil || perr != nil || time.Now().UnixNano() < at {
				http.Error(w, "not ready", http.StatusServiceUnavailable)
				return
			}
			_, _ = w.Write([]byte("ready\n"))
		})
		write(args[1], ln.Addr().String())
		srv := &http.Server{ReadHeaderTimeout: 5 * time.Second}
		fail(srv.Serve(ln).Error())
	default:
		fail("unknown command " + os.Args[1])
	}
}

func read(path string) []byte {
	b, err := os.ReadFile(path) //nolint:gosec // test helper
	if err != nil {
		fail(err.Error())
	}
	return b
}

func write(path, s string) {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(s+"\n"), 0o600); err != nil {
		fail(err.Error())
	}
	if err := os.Rename(tmp, path); err != nil {
		fail(err.Error())
	}
}

func appendLine(path, s string) {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600) //nolint:gosec // test helper
	if err != nil {
		fail(err.Error())
	}
	_, _ = f.WriteString(s + "\n")
	_ = f.Close()
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "fakedaemon: "+msg)
	os.Exit(1)
}
