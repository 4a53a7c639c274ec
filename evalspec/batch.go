package evalspec

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
)

// Sniff tells a single spec from JSON Lines, reading as little of r as it
// needs, and returns a reader that yields the whole input again.
//
// The rule: the input is JSON Lines (batch is true) when its first
// non-blank line is, on its own, a complete JSON value and at least one
// more non-blank line follows. Otherwise it is a single spec, which may be
// pretty-printed over several lines (its first line, "{" or a part of the
// object, is not a complete value). A single spec on one line, with or
// without blank lines after it, is a single spec. Blank lines are lines
// of spaces, tabs and carriage returns only.
func Sniff(r io.Reader) (batch bool, all io.Reader, err error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var head bytes.Buffer // what has been read, to be read again
	nextNonBlank := func() ([]byte, error) {
		for {
			line, err := br.ReadBytes('\n')
			head.Write(line)
			if t := bytes.TrimSpace(line); len(t) > 0 {
				return t, nil
			}
			if err != nil {
				return nil, err
			}
		}
	}
	again := func() io.Reader { return io.MultiReader(bytes.NewReader(head.Bytes()), br) }
	first, err := nextNonBlank()
	if err != nil && err != io.EOF {
		return false, nil, err
	}
	if first == nil || !json.Valid(first) {
		return false, again(), nil
	}
	second, err := nextNonBlank()
	if err != nil && err != io.EOF {
		return false, nil, err
	}
	return second != nil, again(), nil
}

// Options configures EvaluateLines.
type Options struct {
	// Workers is the number of goroutines evaluating specs; 0 or less
	// means runtime.GOMAXPROCS(0). The output does not depend on it.
	Workers int
	// Backend evaluates the specs (the zero value uses package numerics).
	Backend Backend
}

// Summary counts the answers of EvaluateLines.
type Summary struct {
	// Specs is the number of non-blank lines, each answered by one line.
	Specs int
	// Rejected counts lines that were not a valid spec (bad input).
	Rejected int
	// Failed counts valid specs whose evaluation failed (numerical or
	// internal failure).
	Failed int
	// FirstBad is the line number (1-based, counting blank lines) of the
	// first rejected or failed line, or 0 when there is none.
	FirstBad int
}

// lineError is the answer to a line that could not be answered.
type lineError struct {
	Error string `json:"error"`
	Line  int    `json:"line"`
}

// outcome classifies the answer to one line.
type outcome int

const (
	answered outcome = iota
	rejected
	failed
)

// job is one non-blank input line on its way through the pipeline.
type job struct {
	line int    // 1-based line number in the input
	in   []byte // the line
	out  []byte // its answer, one JSON line
	how  outcome
	done chan struct{}
}

// EvaluateLines reads JSON Lines from r, one spec per line, and writes
// one answer per non-blank line to w, in input order: the result object
// of the spec, or {"error": "...", "line": N} when the line is not a
// valid spec (the message names the field, as Decode does) or its
// evaluation failed. Blank lines are skipped, so the k-th output line
// answers the k-th non-blank input line; N is the line's number in the
// input, counting blank lines. Specs are evaluated by opt.Workers
// goroutines, at most a few per worker ahead of the output; the output is
// the same for any number of workers.
//
// The returned error is a failure to read r or write w (the output then
// stops); bad or failing lines are counted in the Summary, not returned.
func EvaluateLines(r io.Reader, w io.Writer, opt Options) (Summary, error) {
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	var (
		order   = make(chan *job, 4*workers) // jobs in input order, bounding the work ahead of the output
		work    = make(chan *job)
		stop    = make(chan struct{})
		readErr error
		wg      sync.WaitGroup
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range work {
				select {
				case <-stop:
				default:
					j.out, j.how = answer(j.line, j.in, opt.Backend)
				}
				close(j.done)
			}
		}()
	}
	go func() {
		defer close(order)
		defer close(work)
		br := bufio.NewReaderSize(r, 64<<10)
		for n := 1; ; n++ {
			line, err := br.ReadBytes('\n')
			if len(bytes.TrimSpace(line)) > 0 {
				j := &job{line: n, in: line, done: make(chan struct{})}
				select {
				case order <- j:
				case <-stop:
					return
				}
				select {
				case work <- j:
				case <-stop:
					close(j.done)
					return
				}
			}
			if err != nil {
				if err != io.EOF {
					readErr = fmt.Errorf("reading line %d: %w", n, err)
				}
				return
			}
		}
	}()

	var (
		sum      Summary
		writeErr error
		bw       = bufio.NewWriterSize(w, 64<<10)
	)
	fail := func(err error) {
		if err != nil && writeErr == nil {
			writeErr = err
			close(stop)
		}
	}
	for j := range order {
		select {
		case <-j.done:
		default:
			// Nothing ready: let the reader of w see what is done so far.
			if writeErr == nil {
				fail(bw.Flush())
			}
			<-j.done
		}
		if writeErr != nil {
			continue // drain, so that every goroutine ends
		}
		sum.Specs++
		switch j.how {
		case rejected:
			sum.Rejected++
		case failed:
			sum.Failed++
		}
		if j.how != answered && sum.FirstBad == 0 {
			sum.FirstBad = j.line
		}
		_, err := bw.Write(j.out)
		fail(err)
	}
	wg.Wait()
	if writeErr == nil {
		writeErr = bw.Flush()
	}
	if writeErr != nil {
		return sum, fmt.Errorf("writing output: %w", writeErr)
	}
	return sum, readErr
}

// answer evaluates one line and returns its output line and outcome. A
// panic in the back end becomes an internal-error answer.
func answer(line int, in []byte, be Backend) (out []byte, how outcome) {
	defer func() {
		if p := recover(); p != nil {
			out = marshalLine(nil, lineError{Error: "internal error: " + OneLine(fmt.Sprint(p)), Line: line})
			how = failed
		}
	}()
	out, err := EvaluateJSON(in, be)
	if err == nil {
		return out, answered
	}
	how = rejected
	var ne *NumericalError
	if errors.As(err, &ne) {
		how = failed
	}
	return marshalLine(nil, lineError{Error: OneLine(err.Error()), Line: line}), how
}

// OneLine flattens a message to a single line ("; " for line breaks), so
// that every diagnostic is exactly one line.
func OneLine(s string) string {
	s = strings.TrimSpace(s)
	s = strings.ReplaceAll(s, "\r\n", "; ")
	s = strings.ReplaceAll(s, "\n", "; ")
	return strings.ReplaceAll(s, "\r", "; ")
}
