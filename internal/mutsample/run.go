package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Status values, spelled as gremlins prints them.
const (
	Killed    = "KILLED"
	Lived     = "LIVED"
	TimedOut  = "TIMED OUT"
	NotViable = "NOT VIABLE"
)

// RapidSeed is the seed of the property tests in every run, as in CI
// (.ci/test sets ATTNCLUST_RAPID_SEED to it).
const RapidSeed = "20261130"

// copyModule copies the module rooted at src into dst, skipping .git and
// any directory named by skip (relative to src). Symlinks are skipped.
func copyModule(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == ".git" && rel != "." {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		return copyFile(path, filepath.Join(dst, rel))
	})
}

func copyFile(src, dst string) (err error) {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := out.Close(); err == nil {
			err = cerr
		}
	}()
	_, err = io.Copy(out, in)
	return err
}

// testRun is the outcome of one `go test` run.
type testRun struct {
	exitCode int // -1 when the run timed out or did not start
	timedOut bool
	elapsed  time.Duration
	output   []byte
}

// goTest runs `go test -count=1 -failfast ./pkg` in dir with the rapid
// seed fixed, killing the whole process group (go and the test binary)
// after timeout (0: no timeout). As in gremlins, the test's own -timeout is
// 2 s longer, so that the timeout is ours.
func goTest(dir, pkg string, timeout time.Duration) (testRun, error) {
	ctx := context.Background()
	cancel := context.CancelFunc(func() {})
	if timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, timeout)
	}
	defer cancel()
	args := []string{"test", "-count=1", "-failfast"}
	if timeout > 0 {
		args = append(args, "-timeout", (timeout + 2*time.Second).String())
	}
	args = append(args, "./"+pkg)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "ATTNCLUST_RAPID_SEED="+RapidSeed)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	var buf bytes.Buffer
	cmd.Stdout = &buf
	cmd.Stderr = &buf
	start := time.Now()
	err := cmd.Run()
	r := testRun{elapsed: time.Since(start), output: buf.Bytes()}
	if ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		r.timedOut = true
		r.exitCode = -1
		return r, nil
	}
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		r.exitCode = 0
	case errors.As(err, &exitErr):
		r.exitCode = exitErr.ExitCode()
	default:
		return r, fmt.Errorf("go test ./%s: %w", pkg, err)
	}
	return r, nil
}

// status maps a run to gremlins' verdict: a timeout is TIMED OUT, exit
// code 1 (a failing test, or a mutant that does not compile: go test
// reports both with 1) is KILLED, 2 is NOT VIABLE, anything else LIVED.
func (r testRun) status() string {
	switch {
	case r.timedOut:
		return TimedOut
	case r.exitCode == 1:
		return Killed
	case r.exitCode == 2:
		return NotViable
	default:
		return Lived
	}
}

// buildFailed reports whether the run's output shows a compile or vet
// failure rather than a failing test (noted in the per-mutant line; it
// still counts as KILLED, as in gremlins).
func (r testRun) buildFailed() bool {
	return bytes.Contains(r.output, []byte("[build failed]")) || bytes.Contains(r.output, []byte("[setup failed]"))
}

// Outcome is the result of one mutant.
type Outcome struct {
	Mutant
	Status      string  `json:"status"`
	Seconds     float64 `json:"seconds"`
	BuildFailed bool    `json:"build_failed,omitempty"`
}

// runMutant applies m to the package pkg of the scratch module at dir,
// runs the package's tests and restores the file, whatever happens.
func runMutant(dir, pkg string, m Mutant, timeout time.Duration) (o Outcome, err error) {
	path := filepath.Join(dir, pkg, m.File)
	orig, err := os.ReadFile(path)
	if err != nil {
		return Outcome{}, fmt.Errorf("mutant %s: %w", m, err)
	}
	mutated, err := Mutate(orig, m.Type, m.Line, m.Col)
	if err != nil {
		return Outcome{}, fmt.Errorf("mutant %s: %w", m, err)
	}
	if err := os.WriteFile(path, mutated, 0o644); err != nil {
		return Outcome{}, fmt.Errorf("mutant %s: %w", m, err)
	}
	defer func() {
		if rerr := os.WriteFile(path, orig, 0o644); rerr != nil && err == nil {
			err = fmt.Errorf("restoring %s: %w", path, rerr)
		}
	}()
	r, err := goTest(dir, pkg, timeout)
	if err != nil {
		return Outcome{}, fmt.Errorf("mutant %s: %w", m, err)
	}
	return Outcome{Mutant: m, Status: r.status(), Seconds: r.elapsed.Seconds(), BuildFailed: r.buildFailed()}, nil
}

// baseline times the unmutated tests the way a mutant runs them: once to
// warm the build cache, then with a comment appended to one source file of
// the package, which forces the package and its test binary to be rebuilt
// as each mutant does. It fails when the unmutated tests fail.
func baseline(dir, pkg string) (time.Duration, error) {
	if r, err := goTest(dir, pkg, 0); err != nil {
		return 0, err
	} else if r.exitCode != 0 {
		return 0, fmt.Errorf("unmutated tests of ./%s fail (exit %d):\n%s", pkg, r.exitCode, tail(r.output, 2000))
	}
	files, err := filepath.Glob(filepath.Join(dir, pkg, "*.go"))
	if err != nil {
		return 0, err
	}
	var src string
	for _, f := range files {
		if !strings.HasSuffix(f, "_test.go") {
			src = f
			break
		}
	}
	if src == "" {
		return 0, fmt.Errorf("./%s has no non-test Go file", pkg)
	}
	orig, err := os.ReadFile(src)
	if err != nil {
		return 0, err
	}
	if err := os.WriteFile(src, append(bytes.Clone(orig), "\n// mutsample baseline\n"...), 0o644); err != nil {
		return 0, err
	}
	r, err := goTest(dir, pkg, 0)
	if werr := os.WriteFile(src, orig, 0o644); werr != nil && err == nil {
		err = werr
	}
	if err != nil {
		return 0, err
	}
	if r.exitCode != 0 {
		return 0, fmt.Errorf("unmutated tests of ./%s fail (exit %d):\n%s", pkg, r.exitCode, tail(r.output, 2000))
	}
	return r.elapsed, nil
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
