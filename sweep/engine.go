package sweep

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"sort"
	"strings"
	"sync"

	"attnclust/claims"
)

// The expensive work of a run is a list of units, each a pure function of
// the Config and the Suite, named by a key "<stage>/<index or name>":
//
//	check/<j>          claims on the j-th regime-claim job (results)
//	threshold/<ID>/<k> the k-th threshold slice of claim ID
//	shrink/<...>       one counterexample's shrinking (named by its FAILS)
//	curves/0           the training curves
//	distance/<j>       the j-th minimizer distance of the distance figure
//	map/<j>            the claims on the j-th hold-map cell
//	quant-inf/0        Q at L = infinity
//	quant-mc/<k>       the Monte Carlo Q_L at the k-th length
//
// An engine decides what happens to a unit. The nil engine computes every
// unit (a plain run). A shard engine computes the units assigned to its
// shard, records their values, and answers the others with empty values
// (the outcome of a shard run is discarded; only its record is kept). A
// replay engine answers every unit from the records of all shards, so
// that Execute, run again on the records, rebuilds exactly the outcome of
// the plain run.
//
// Shrinking depends on the results of every check, so no shard can know
// the run's shrink tasks. A shard instead shrinks the tasks its own
// results select: every task the whole run selects is among them (the
// run's worst FAILS of a check are among the union of each shard's worst
// FAILS, and its FAILS nearest to the hypotheses is the nearest one of
// the shard that holds it), so the replay finds each of its tasks in
// exactly one shard.
type engine struct {
	mode  engineMode
	index int // shard index, 0-based (shard mode)
	count int // number of shards (shard and replay modes)

	mu sync.Mutex
	// units are the recorded values (shard mode) or those replayed.
	units map[string]Unit
	// errs are the units the replay could not find.
	errs []string
}

type engineMode int

const (
	modeShard engineMode = iota + 1
	modeReplay
)

// Unit is the recorded value of one unit of work.
type Unit struct {
	// Key names the unit (see the list above).
	Key string `json:"key"`
	// Value is the unit's value in the shard codec's exact JSON.
	Value rawExact `json:"value"`
	// Err is the error the unit returned ("" for none); Panic the message
	// of a panic it raised ("" for none).
	Err   string `json:"err"`
	Panic string `json:"panic"`
}

// rawExact is JSON kept as written (a unit's value).
type rawExact []byte

// assigned reports whether the unit idx of stage belongs to this shard.
// Units are dealt round-robin from an offset that depends on the stage,
// so that the first unit of every stage does not land on the same shard
// and each claim's jobs (consecutive indices) spread over all shards.
func assigned(stage string, idx, index, count int) bool {
	return shardOf(stage, idx, count) == index
}

// shardOf is the 0-based shard of unit idx of stage among count.
func shardOf(stage string, idx, count int) int {
	h := fnv.New32a()
	h.Write([]byte(stage))
	return int((uint64(h.Sum32()) + uint64(idx)) % uint64(count))
}

// computes reports whether e computes the unit idx of stage.
func (e *engine) computes(stage string, idx int) bool {
	return e == nil || (e.mode == modeShard && assigned(stage, idx, e.index, e.count))
}

// record stores a computed unit (shard mode).
func (e *engine) record(key string, v any, err error, panicMsg string) {
	b, encErr := encodeExact(v)
	if encErr != nil {
		// a type the codec cannot write: refuse rather than lose it
		panic(fmt.Sprintf("shard: unit %s: %v", key, encErr))
	}
	u := Unit{Key: key, Value: b, Panic: panicMsg}
	if err != nil {
		u.Err = err.Error()
	}
	e.mu.Lock()
	e.units[key] = u
	e.mu.Unlock()
}

// lookup returns the recorded unit key (replay mode); a missing one is
// noted in e.errs, naming the shard that should hold it (where != "").
func (e *engine) lookup(key, where string) (Unit, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	u, ok := e.units[key]
	if !ok {
		msg := "no recorded value for unit " + key
		if where != "" {
			msg += " (expected in " + where + ")"
		}
		e.errs = append(e.errs, msg)
	}
	return u, ok
}

// where names the shard of unit idx of stage, for errors.
func (e *engine) where(stage string, idx int) string {
	return fmt.Sprintf("shard %d/%d", shardOf(stage, idx, e.count)+1, e.count)
}

// decodeUnit reads u's value into *ptr, noting a failure in e.errs.
func (e *engine) decodeUnit(u Unit, ptr any) bool {
	if err := decodeExact(u.Value, ptr); err != nil {
		e.mu.Lock()
		e.errs = append(e.errs, fmt.Sprintf("unit %s: %v", u.Key, err))
		e.mu.Unlock()
		return false
	}
	return true
}

// runJobs is claims.Run through the engine: the results of jobs, unit
// keys "<stage>/<j>".
func (e *engine) runJobs(stage string, env claims.Env, jobs []claims.Job, workers int, progress func(done, total int)) [][]claims.Result {
	if e == nil {
		return claims.Run(env, jobs, workers, progress)
	}
	out := make([][]claims.Result, len(jobs))
	switch e.mode {
	case modeShard:
		var mine []int
		var sub []claims.Job
		for j, job := range jobs {
			if e.computes(stage, j) {
				mine = append(mine, j)
				sub = append(sub, job)
			}
		}
		res := claims.Run(env, sub, workers, progress)
		for k, j := range mine {
			out[j] = res[k]
			e.record(fmt.Sprintf("%s/%d", stage, j), res[k], nil, "")
		}
	case modeReplay:
		for j := range jobs {
			if u, ok := e.lookup(fmt.Sprintf("%s/%d", stage, j), e.where(stage, j)); ok {
				e.decodeUnit(u, &out[j])
			}
		}
	}
	return out
}

// thresholds measures claim c's thresholds on slices through the engine
// (unit keys "threshold/<ID>/<k>"). A shard passes its own slices to the
// suite's threshold function, which must measure each slice on its own.
func (e *engine) thresholds(s Suite, env claims.Env, c claims.Claim, slices []claims.Regime, workers int, progress func(done, total int)) []claims.Threshold {
	if e == nil {
		return s.thresholds(env, c, slices, workers, progress)
	}
	stage := "threshold/" + c.ID()
	out := make([]claims.Threshold, len(slices))
	switch e.mode {
	case modeShard:
		var mine []int
		var sub []claims.Regime
		for k, sl := range slices {
			if e.computes(stage, k) {
				mine = append(mine, k)
				sub = append(sub, sl)
			}
		}
		if len(sub) == 0 {
			return out
		}
		th := s.thresholds(env, c, sub, workers, progress)
		if len(th) != len(sub) {
			panic(fmt.Sprintf("shard: the threshold function returned %d thresholds for %d slices of %s", len(th), len(sub), c.ID()))
		}
		for k, i := range mine {
			out[i] = th[k]
			e.record(fmt.Sprintf("%s/%d", stage, i), th[k], nil, "")
		}
	case modeReplay:
		for k := range slices {
			if u, ok := e.lookup(fmt.Sprintf("%s/%d", stage, k), e.where(stage, k)); ok {
				e.decodeUnit(u, &out[k])
			}
		}
	}
	return out
}

// shrinkKey names a shrink task by its claim, kind, check, regime and a
// digest of its FAILS result (the shrinking is a function of these).
func shrinkKey(t shrinkTask) string {
	b, err := encodeExact(t.fail)
	if err != nil {
		panic(fmt.Sprintf("shard: shrink task of %s: %v", t.fail.Check, err))
	}
	sum := sha256.Sum256(b)
	return fmt.Sprintf("shrink/%s/%s/%s/%s/%s", t.claim.ID(), t.kind, t.fail.Check, t.fail.Regime.Name, hex.EncodeToString(sum[:8]))
}

// shrink returns the counterexample of every task (in task order) through
// the engine; fn computes task i. A shard computes all its tasks (they
// come from its own results).
func (e *engine) shrink(tasks []shrinkTask, workers int, fn func(i int) Counterexample) []Counterexample {
	done := make([]Counterexample, len(tasks))
	if e == nil || e.mode == modeShard {
		parallelFor(len(tasks), workers, func(i int) { done[i] = fn(i) })
		if e != nil {
			for i, t := range tasks {
				e.record(shrinkKey(t), done[i], nil, "")
			}
		}
		return done
	}
	for i, t := range tasks {
		if u, ok := e.lookup(shrinkKey(t), "the shard that checked "+t.fail.Regime.Name); ok {
			e.decodeUnit(u, &done[i])
		}
	}
	return done
}

// unit computes, records or replays one unit of a figure (stage, index
// idx) whose value is fn's; a panic in fn is recorded and raised again,
// with the same message, on replay.
func unit[T any](e *engine, stage string, idx int, fn func() (T, error)) (T, error) {
	var zero T
	key := fmt.Sprintf("%s/%d", stage, idx)
	switch {
	case e == nil:
		return fn()
	case e.mode == modeShard:
		if !e.computes(stage, idx) {
			return zero, nil
		}
		var v T
		var err error
		func() {
			defer func() {
				if p := recover(); p != nil {
					msg := fmt.Sprint(p)
					e.record(key, zero, nil, msg)
					panic(msg)
				}
			}()
			v, err = fn()
		}()
		e.record(key, v, err, "")
		return v, err
	}
	u, ok := e.lookup(key, e.where(stage, idx))
	if !ok {
		return zero, errors.New("missing shard data")
	}
	if u.Panic != "" {
		panic(u.Panic)
	}
	var v T
	if !e.decodeUnit(u, &v) {
		return zero, errors.New("unreadable shard data")
	}
	if u.Err != "" {
		return v, errors.New(u.Err)
	}
	return v, nil
}

// sortedUnits returns the recorded units in key order (shard mode).
func (e *engine) sortedUnits() []Unit {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]Unit, 0, len(e.units))
	for _, u := range e.units {
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// replayErr is the replay's error: every unit it could not find or read.
func (e *engine) replayErr() error {
	if len(e.errs) == 0 {
		return nil
	}
	errs := append([]string(nil), e.errs...)
	sort.Strings(errs)
	more := ""
	if len(errs) > 3 {
		more = fmt.Sprintf(" (and %d more)", len(errs)-3)
		errs = errs[:3]
	}
	return fmt.Errorf("shards incomplete: %s%s", strings.Join(errs, "; "), more)
}
