// k8sload drives an etcd v3 server (etcd or Cairn) the way the Kubernetes apiserver does, as
// described in /work/shared/reference/etcd-v3-api.md section 6, and reports per kind of operation
// its count, errors, p50 and p99 latency.
//
// Written for Cairn's benchmarks (scripts/bench/k8s.sh); it uses only etcd 3.4's public Go client
// (go.etcd.io/etcd/clientv3), built GOPATH-style against Debian's /usr/share/gocode by
// scripts/bench/k8s/build.sh.
//
// Phases:
//
//	-phase populate   create -pods pods (about -pod-size bytes each) in -namespaces namespaces
//	-phase run        -clients goroutines for -duration: ~90% reads, ~10% writes (see -mix),
//	                  plus -watchers watches on the pods prefix, RequestProgress every
//	                  -progress-every, the apiserver's compaction every -compact-every and a
//	                  count-only Range every -count-every
//
// Shapes (one per kind reported):
//
//	get           Range(key, limit=1)
//	list          paginated LIST of one namespace: Range(prefix, prefixEnd, limit=-page) at
//	              revision 0, then the next pages at the first page's header.revision from
//	              last key + "\x00"; the latency is the whole list, list_page is each page
//	listall       the same over all namespaces (/registry/pods/), like an informer's relist
//	update        Txn(MOD(key) == cached mod_revision; Put(key); else Range(key)), retried with
//	              the returned kv on conflict (update_conflict counts the retries)
//	create_event  Txn(MOD(key) == 0; Put(key, lease)) under /registry/events/, the lease shared
//	              by up to -lease-max-objects objects for up to -lease-reuse, granted with
//	              TTL -event-ttl (+ the reuse period, as the apiserver does); never kept alive
//	delete        Txn(MOD(key) == rev; DeleteRange(key); else Range(key)), retried on conflict,
//	              then create_pod Txn(MOD(key) == 0; Put(key)) to bring the pod back
//	compact       Txn(VERSION("compact_rev_key") == v; Put(...); else Range(...)) and, when won,
//	              Compact(the revision seen one interval earlier)
//	watch_event   time from the start of the write that produced a pod event to its arrival on a
//	              watcher (the write stamps its start time into the value)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/ioutil"
	"math/rand"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/etcd/clientv3"
	"go.etcd.io/etcd/mvcc/mvccpb"
	"google.golang.org/grpc/grpclog"
)

var (
	endpoints     = flag.String("endpoints", "127.0.0.1:2379", "comma-separated client addresses")
	phase         = flag.String("phase", "run", "populate or run")
	conns         = flag.Int("conns", 4, "clientv3 clients (gRPC connections per endpoint set)")
	clients       = flag.Int("clients", 32, "concurrent load goroutines")
	duration      = flag.Duration("duration", 30*time.Second, "length of the run phase")
	pods          = flag.Int("pods", 2000, "pods")
	namespaces    = flag.Int("namespaces", 10, "namespaces the pods are spread over")
	podSize       = flag.Int("pod-size", 4096, "bytes per pod value")
	eventSize     = flag.Int("event-size", 1024, "bytes per event value")
	page          = flag.Int("page", 100, "LIST page size (limit)")
	mix           = flag.String("mix", "get=85,list=5,update=6,event=3,delete=1", "operation weights")
	watchers      = flag.Int("watchers", 4, "watches on the pods prefix")
	progressEvery = flag.Duration("progress-every", time.Second, "RequestProgress period (0: never)")
	compactEvery  = flag.Duration("compact-every", 10*time.Second, "apiserver compaction period (0: never)")
	countEvery    = flag.Duration("count-every", 10*time.Second, "count-only Range period (0: never)")
	eventTTL      = flag.Duration("event-ttl", 30*time.Second, "event lease TTL")
	leaseReuse    = flag.Duration("lease-reuse", 2*time.Second, "how long one lease is reused")
	leaseMax      = flag.Int("lease-max-objects", 1000, "objects per lease at most")
	timeout       = flag.Duration("timeout", 5*time.Second, "per-request timeout")
	seed          = flag.Int64("seed", 1, "random seed (same seed, same sequence of choices per client)")
	out           = flag.String("out", "", "also write the report to this file")
	label         = flag.String("label", "", "label printed in the report")
)

// ---- statistics ----

type kindStats struct {
	lat      []time.Duration
	errs     int64
	firstErr string
}

type recorder map[string]*kindStats

func (r recorder) get(kind string) *kindStats {
	s := r[kind]
	if s == nil {
		s = &kindStats{}
		r[kind] = s
	}
	return s
}

func (r recorder) ok(kind string, d time.Duration) { s := r.get(kind); s.lat = append(s.lat, d) }

func (r recorder) fail(kind string, err error) {
	s := r.get(kind)
	s.errs++
	if s.firstErr == "" {
		s.firstErr = err.Error()
	}
}

func (r recorder) merge(o recorder) {
	for k, v := range o {
		s := r.get(k)
		s.lat = append(s.lat, v.lat...)
		s.errs += v.errs
		if s.firstErr == "" {
			s.firstErr = v.firstErr
		}
	}
}

// A recorder shared by background goroutines.
type lockedRecorder struct {
	mu sync.Mutex
	r  recorder
}

func (l *lockedRecorder) ok(kind string, d time.Duration) {
	l.mu.Lock()
	l.r.ok(kind, d)
	l.mu.Unlock()
}
func (l *lockedRecorder) fail(kind string, err error) {
	l.mu.Lock()
	l.r.fail(kind, err)
	l.mu.Unlock()
}

func pct(sorted []time.Duration, p float64) float64 {
	if len(sorted) == 0 {
		return -1
	}
	i := int(p*float64(len(sorted)) + 0.5)
	if i >= len(sorted) {
		i = len(sorted) - 1
	}
	if i < 0 {
		i = 0
	}
	return float64(sorted[i]) / 1e6
}

// ---- object shapes ----

var padding string

// The highest revision of a pod write acknowledged to a load goroutine; at the end the watchers
// are given (bounded) time to reach it.
var lastPodWrite int64

func notePodWrite(rev int64) {
	for {
		cur := atomic.LoadInt64(&lastPodWrite)
		if rev <= cur || atomic.CompareAndSwapInt64(&lastPodWrite, cur, rev) {
			return
		}
	}
} // deterministic filler, sliced at varying offsets

func podKey(i int) (ns, name, key string) {
	ns = fmt.Sprintf("ns-%02d", i%*namespaces)
	name = fmt.Sprintf("pod-%05d", i)
	return ns, name, "/registry/pods/" + ns + "/" + name
}

func nsPrefix(ns string) string { return "/registry/pods/" + ns + "/" }

// value builds a JSON-ish object of about size bytes whose first bytes carry the start time of
// the write (nanoseconds), so that watchers can tell how long the event took to reach them.
func value(size int, kind, ns, name string, gen int64, start time.Time) string {
	head := fmt.Sprintf(`{"ts":%019d,"kind":%q,"namespace":%q,"name":%q,"generation":%d,"spec":"`,
		start.UnixNano(), kind, ns, name, gen)
	n := size - len(head) - 2
	if n < 0 {
		n = 0
	}
	off := int(gen*7919) % (len(padding) - n)
	if off < 0 {
		off = 0
	}
	return head + padding[off:off+n] + `"}`
}

func stamp(v []byte) (time.Time, bool) {
	if len(v) < 26 || string(v[:6]) != `{"ts":` {
		return time.Time{}, false
	}
	ns, err := strconv.ParseInt(string(v[6:25]), 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(0, ns), true
}

// ---- leases, shared like the apiserver's lease manager ----

type leaseManager struct {
	mu      sync.Mutex
	id      clientv3.LeaseID
	granted time.Time
	used    int
}

func (m *leaseManager) lease(cli *clientv3.Client, rec recorder) (clientv3.LeaseID, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.id != 0 && time.Since(m.granted) < *leaseReuse && m.used < *leaseMax {
		m.used++
		return m.id, nil
	}
	ttl := int64((*eventTTL + *leaseReuse) / time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	t0 := time.Now()
	resp, err := cli.Grant(ctx, ttl)
	if err != nil {
		rec.fail("lease_grant", err)
		return 0, err
	}
	rec.ok("lease_grant", time.Since(t0))
	m.id, m.granted, m.used = resp.ID, time.Now(), 1
	return m.id, nil
}

// ---- one load goroutine ----

type worker struct {
	cli    *clientv3.Client
	rng    *rand.Rand
	rec    recorder
	cache  map[string]int64 // key -> mod_revision last seen (the apiserver's cache, possibly stale)
	leases *leaseManager
	gen    int64
	events int64
	id     int
}

func (w *worker) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), *timeout)
}

func (w *worker) doGet(key string) (*mvccpb.KeyValue, error) {
	ctx, cancel := w.ctx()
	defer cancel()
	t0 := time.Now()
	resp, err := w.cli.Get(ctx, key, clientv3.WithLimit(1))
	if err != nil {
		w.rec.fail("get", err)
		return nil, err
	}
	w.rec.ok("get", time.Since(t0))
	if len(resp.Kvs) == 0 {
		delete(w.cache, key)
		return nil, nil
	}
	w.cache[key] = resp.Kvs[0].ModRevision
	return resp.Kvs[0], nil
}

func (w *worker) doList(kind, prefix string) {
	end := clientv3.GetPrefixRangeEnd(prefix)
	key := prefix
	var rev int64
	t0 := time.Now()
	for pages := 0; pages < 100000; pages++ {
		ctx, cancel := w.ctx()
		p0 := time.Now()
		resp, err := w.cli.Get(ctx, key, clientv3.WithRange(end), clientv3.WithLimit(int64(*page)), clientv3.WithRev(rev))
		cancel()
		if err != nil {
			w.rec.fail(kind+"_page", err)
			w.rec.fail(kind, err)
			return
		}
		w.rec.ok(kind+"_page", time.Since(p0))
		if rev == 0 {
			rev = resp.Header.Revision
		}
		for _, kv := range resp.Kvs {
			w.cache[string(kv.Key)] = kv.ModRevision
		}
		if !resp.More || len(resp.Kvs) == 0 {
			break
		}
		key = string(resp.Kvs[len(resp.Kvs)-1].Key) + "\x00"
	}
	w.rec.ok(kind, time.Since(t0))
}

// casLoop runs the apiserver's GuaranteedUpdate / Delete shape: Txn(MOD == rev; op; else Range),
// retrying with the kv the failure branch returns. Returns false when the object is gone.
func (w *worker) casLoop(kind, key string, op func(start time.Time) clientv3.Op) bool {
	rev, ok := w.cache[key]
	t0 := time.Now()
	if !ok {
		kv, err := w.doGet(key)
		if err != nil || kv == nil {
			return false
		}
		rev = kv.ModRevision
	}
	for attempt := 0; attempt < 10; attempt++ {
		ctx, cancel := w.ctx()
		resp, err := w.cli.Txn(ctx).
			If(clientv3.Compare(clientv3.ModRevision(key), "=", rev)).
			Then(op(time.Now())).
			Else(clientv3.OpGet(key)).
			Commit()
		cancel()
		if err != nil {
			w.rec.fail(kind, err)
			return false
		}
		if resp.Succeeded {
			w.rec.ok(kind, time.Since(t0))
			notePodWrite(resp.Header.Revision)
			if kind == "delete" {
				delete(w.cache, key)
			} else {
				w.cache[key] = resp.Header.Revision
			}
			return true
		}
		kvs := resp.Responses[0].GetResponseRange().Kvs
		if len(kvs) == 0 {
			delete(w.cache, key)
			w.rec.ok(kind+"_gone", time.Since(t0))
			return false
		}
		w.rec.ok(kind+"_conflict", 0)
		rev = kvs[0].ModRevision
		w.cache[key] = rev
	}
	w.rec.fail(kind, errors.New("still conflicting after 10 attempts"))
	return false
}

func (w *worker) doUpdate(i int) {
	ns, name, key := podKey(i)
	w.gen++
	gen := int64(w.id)<<40 | w.gen
	w.casLoop("update", key, func(start time.Time) clientv3.Op {
		return clientv3.OpPut(key, value(*podSize, "Pod", ns, name, gen, start))
	})
}

func (w *worker) create(kind, key string, val string, opts ...clientv3.OpOption) {
	ctx, cancel := w.ctx()
	defer cancel()
	t0 := time.Now()
	resp, err := w.cli.Txn(ctx).
		If(clientv3.Compare(clientv3.ModRevision(key), "=", 0)).
		Then(clientv3.OpPut(key, val, opts...)).
		Commit()
	if err != nil {
		w.rec.fail(kind, err)
		return
	}
	w.rec.ok(kind, time.Since(t0))
	if resp.Succeeded {
		w.cache[key] = resp.Header.Revision
		if kind == "create_pod" {
			notePodWrite(resp.Header.Revision)
		}
	} else {
		w.rec.ok(kind+"_exists", 0)
	}
}

func (w *worker) doEvent() {
	i := w.rng.Intn(*pods)
	ns, name, _ := podKey(i)
	w.events++
	evName := fmt.Sprintf("%s.%02d%08x", name, w.id, w.events)
	key := "/registry/events/" + ns + "/" + evName
	id, err := w.leases.lease(w.cli, w.rec)
	if err != nil {
		w.rec.fail("create_event", err)
		return
	}
	w.create("create_event", key, value(*eventSize, "Event", ns, evName, w.events, time.Now()), clientv3.WithLease(id))
}

func (w *worker) doDelete(i int) {
	ns, name, key := podKey(i)
	w.casLoop("delete", key, func(time.Time) clientv3.Op { return clientv3.OpDelete(key) })
	w.gen++
	w.create("create_pod", key, value(*podSize, "Pod", ns, name, int64(w.id)<<40|w.gen, time.Now()))
}

// ---- mix ----

type choice struct {
	name   string
	weight int
}

func parseMix(s string) ([]choice, int) {
	var cs []choice
	total := 0
	for _, part := range strings.Split(s, ",") {
		kv := strings.SplitN(strings.TrimSpace(part), "=", 2)
		if len(kv) != 2 {
			fatalf("bad -mix element %q", part)
		}
		n, err := strconv.Atoi(kv[1])
		if err != nil || n < 0 {
			fatalf("bad -mix weight %q", part)
		}
		switch kv[0] {
		case "get", "list", "listall", "update", "event", "delete":
		default:
			fatalf("unknown -mix operation %q (get, list, listall, update, event, delete)", kv[0])
		}
		cs = append(cs, choice{kv[0], n})
		total += n
	}
	if total == 0 {
		fatalf("-mix has no weight")
	}
	return cs, total
}

// ---- main ----

func fatalf(f string, a ...interface{}) {
	fmt.Fprintf(os.Stderr, "k8sload: "+f+"\n", a...)
	os.Exit(2)
}

func main() {
	flag.Parse()
	clientv3.SetLogger(grpclog.NewLoggerV2(ioutil.Discard, ioutil.Discard, os.Stderr))
	if *clients < 1 || *conns < 1 || *pods < 1 || *namespaces < 1 || *page < 1 {
		fatalf("-clients, -conns, -pods, -namespaces and -page must be positive")
	}
	// Hard bound on the whole program, whatever the server does.
	go func() {
		time.Sleep(*duration + 10**timeout + 60*time.Second)
		fmt.Fprintln(os.Stderr, "k8sload: hard time limit reached; exiting")
		os.Exit(3)
	}()

	prng := rand.New(rand.NewSource(*seed))
	pad := make([]byte, 2*(*podSize+*eventSize)+8192)
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	for i := range pad {
		pad[i] = letters[prng.Intn(len(letters))]
	}
	padding = string(pad)

	eps := strings.Split(*endpoints, ",")
	clis := make([]*clientv3.Client, *conns)
	for i := range clis {
		c, err := clientv3.New(clientv3.Config{Endpoints: eps, DialTimeout: 5 * time.Second,
			DialKeepAliveTime: 30 * time.Second, DialKeepAliveTimeout: 10 * time.Second})
		if err != nil {
			fatalf("connect: %v", err)
		}
		clis[i] = c
	}
	switch *phase {
	case "populate":
		populate(clis)
	case "run":
		run(clis)
	default:
		fatalf("-phase must be populate or run")
	}
	for _, c := range clis {
		c.Close()
	}
}

func populate(clis []*clientv3.Client) {
	t0 := time.Now()
	var wg sync.WaitGroup
	recs := make([]recorder, *clients)
	for c := 0; c < *clients; c++ {
		recs[c] = recorder{}
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			w := &worker{cli: clis[c%len(clis)], rec: recs[c], cache: map[string]int64{}, id: c}
			for i := c; i < *pods; i += *clients {
				ns, name, key := podKey(i)
				w.create("create_pod", key, value(*podSize, "Pod", ns, name, 0, time.Now()))
			}
		}(c)
	}
	wg.Wait()
	all := recorder{}
	for _, r := range recs {
		all.merge(r)
	}
	report(all, time.Since(t0), nil, "populate")
}

type watchStats struct {
	events, progress, missingPrev, outOfOrder int64
	lastRev                                   int64
}

func run(clis []*clientv3.Client) {
	choices, total := parseMix(*mix)
	bg := &lockedRecorder{r: recorder{}}

	// The apiserver's GetCurrentResourceVersion: a list with limit 1 over the prefix.
	ctx0, cancel0 := context.WithTimeout(context.Background(), *timeout)
	resp0, err := clis[0].Get(ctx0, "/registry/pods/", clientv3.WithRange(clientv3.GetPrefixRangeEnd("/registry/pods/")), clientv3.WithLimit(1))
	cancel0()
	if err != nil {
		fatalf("initial revision: %v", err)
	}
	startRev := resp0.Header.Revision

	stop := make(chan struct{})
	var bgWG sync.WaitGroup
	measuring := int32(1)

	// Watchers: RV+1, prev_kv, progress_notify, with the "require leader" metadata.
	wctx, wcancel := context.WithCancel(context.Background())
	wctx = clientv3.WithRequireLeader(wctx)
	wstats := make([]*watchStats, *watchers)
	wused := map[int]bool{}
	for i := 0; i < *watchers; i++ {
		wstats[i] = &watchStats{lastRev: startRev}
		ci := i % len(clis)
		wused[ci] = true
		wch := clis[ci].Watch(wctx, "/registry/pods/", clientv3.WithRange(clientv3.GetPrefixRangeEnd("/registry/pods/")),
			clientv3.WithRev(startRev+1), clientv3.WithPrevKV(), clientv3.WithProgressNotify())
		bgWG.Add(1)
		go func(st *watchStats) {
			defer bgWG.Done()
			local := recorder{}
			for resp := range wch {
				if err := resp.Err(); err != nil {
					if wctx.Err() == nil {
						local.fail("watch_event", err)
					}
					continue
				}
				if resp.IsProgressNotify() {
					st.progress++
					continue
				}
				now := time.Now()
				for _, ev := range resp.Events {
					st.events++
					if ev.Kv.ModRevision < atomic.LoadInt64(&st.lastRev) {
						st.outOfOrder++
					}
					atomic.StoreInt64(&st.lastRev, ev.Kv.ModRevision)
					if ev.Type == mvccpb.PUT && ev.IsModify() && ev.PrevKv == nil ||
						ev.Type == mvccpb.DELETE && ev.PrevKv == nil {
						st.missingPrev++
					}
					if ev.Type == mvccpb.PUT && atomic.LoadInt32(&measuring) == 1 {
						if t, ok := stamp(ev.Kv.Value); ok {
							local.ok("watch_event", now.Sub(t))
						}
					}
				}
			}
			bg.mu.Lock()
			bg.r.merge(local)
			bg.mu.Unlock()
		}(wstats[i])
	}

	ticker := func(every time.Duration, f func()) {
		if every <= 0 {
			return
		}
		bgWG.Add(1)
		go func() {
			defer bgWG.Done()
			t := time.NewTicker(every)
			defer t.Stop()
			for {
				select {
				case <-stop:
					return
				case <-t.C:
					f()
				}
			}
		}()
	}
	// RequestProgress on the watchers' streams (same client, same metadata).
	ticker(*progressEvery, func() {
		for ci := range wused {
			ctx, cancel := context.WithTimeout(clientv3.WithRequireLeader(context.Background()), *timeout)
			t0 := time.Now()
			// The stream is keyed by the context's metadata, so this reaches the watchers' stream.
			if err := clis[ci].RequestProgress(ctx); err != nil {
				bg.fail("request_progress", err)
			} else {
				bg.ok("request_progress", time.Since(t0))
			}
			cancel()
		}
	})
	// The apiserver's compactor.
	var compactVersion, compactPrevRev int64
	ticker(*compactEvery, func() {
		ctx, cancel := context.WithTimeout(context.Background(), *timeout)
		defer cancel()
		const k = "compact_rev_key"
		t0 := time.Now()
		resp, err := clis[0].Txn(ctx).
			If(clientv3.Compare(clientv3.Version(k), "=", compactVersion)).
			Then(clientv3.OpPut(k, strconv.FormatInt(compactPrevRev, 10))).
			Else(clientv3.OpGet(k)).
			Commit()
		if err != nil {
			bg.fail("compact_txn", err)
			return
		}
		bg.ok("compact_txn", time.Since(t0))
		curRev := resp.Header.Revision
		if !resp.Succeeded {
			kvs := resp.Responses[0].GetResponseRange().Kvs
			if len(kvs) > 0 {
				compactVersion = kvs[0].Version
			}
			compactPrevRev = curRev
			return
		}
		compactVersion++
		if compactPrevRev > 0 {
			t1 := time.Now()
			if _, err := clis[0].Compact(ctx, compactPrevRev); err != nil {
				bg.fail("compact", err)
			} else {
				bg.ok("compact", time.Since(t1))
			}
		}
		compactPrevRev = curRev
	})
	ticker(*countEvery, func() {
		ctx, cancel := context.WithTimeout(context.Background(), *timeout)
		defer cancel()
		t0 := time.Now()
		if _, err := clis[0].Get(ctx, "/registry/pods/", clientv3.WithRange(clientv3.GetPrefixRangeEnd("/registry/pods/")), clientv3.WithCountOnly()); err != nil {
			bg.fail("count", err)
		} else {
			bg.ok("count", time.Since(t0))
		}
	})

	// The load.
	leases := &leaseManager{}
	recs := make([]recorder, *clients)
	var wg sync.WaitGroup
	t0 := time.Now()
	deadline := t0.Add(*duration)
	for c := 0; c < *clients; c++ {
		recs[c] = recorder{}
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			w := &worker{cli: clis[c%len(clis)], rng: rand.New(rand.NewSource(*seed*1000003 + int64(c))),
				rec: recs[c], cache: map[string]int64{}, leases: leases, id: c}
			for n := 0; n < 100000000 && time.Now().Before(deadline); n++ {
				x := w.rng.Intn(total)
				op := ""
				for _, ch := range choices {
					if x < ch.weight {
						op = ch.name
						break
					}
					x -= ch.weight
				}
				switch op {
				case "get":
					_, _, key := podKey(w.rng.Intn(*pods))
					w.doGet(key)
				case "list":
					w.doList("list", nsPrefix(fmt.Sprintf("ns-%02d", w.rng.Intn(*namespaces))))
				case "listall":
					w.doList("listall", "/registry/pods/")
				case "update":
					w.doUpdate(w.rng.Intn(*pods))
				case "event":
					w.doEvent()
				case "delete":
					w.doDelete(w.rng.Intn(*pods))
				}
			}
		}(c)
	}
	wg.Wait()
	elapsed := time.Since(t0)
	atomic.StoreInt32(&measuring, 0)
	close(stop)

	// Let the watchers catch up with the last pod write (at most 5 s), then end them.
	lastRev := atomic.LoadInt64(&lastPodWrite)
	catchUp := time.Now().Add(5 * time.Second)
	behindAtEnd := 0
	for time.Now().Before(catchUp) {
		behind := false
		behindAtEnd = 0
		for _, st := range wstats {
			if atomic.LoadInt64(&st.lastRev) < lastRev {
				behind = true
				behindAtEnd++
			}
		}
		if !behind {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	wcancel()
	bgWG.Wait()

	all := recorder{}
	for _, r := range recs {
		all.merge(r)
	}
	report(all, elapsed, bg.r, "run")
	var ev, pr, mp, oo int64
	for _, st := range wstats {
		ev += st.events
		pr += st.progress
		mp += st.missingPrev
		oo += st.outOfOrder
	}
	line := fmt.Sprintf("WATCH\twatchers %d\tevents %d\tprogress_notifies %d\tmissing_prev_kv %d\tout_of_order %d\tstart_rev %d\tlast_pod_write_rev %d\twatchers_behind_after_5s %d\n",
		*watchers, ev, pr, mp, oo, startRev, lastRev, behindAtEnd)
	emit(line)
}

var outFile *os.File

func emit(s string) {
	fmt.Print(s)
	if *out != "" {
		if outFile == nil {
			f, err := os.OpenFile(*out, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
			if err != nil {
				fatalf("open -out: %v", err)
			}
			outFile = f
		}
		outFile.WriteString(s)
	}
}

// The load kinds whose completions count as the throughput (one apiserver request each; a
// paginated list counts once, list_page is its pages).
var loadKinds = map[string]bool{"get": true, "list": true, "listall": true, "update": true, "create_event": true,
	"delete": true, "create_pod": true}

func report(fg recorder, elapsed time.Duration, bg recorder, what string) {
	var b strings.Builder
	fmt.Fprintf(&b, "# k8sload %s %s: %d clients, %d conns, %.1f s, seed %d, mix %s, pods %d x %d B in %d namespaces, page %d\n",
		*label, what, *clients, *conns, elapsed.Seconds(), *seed, *mix, *pods, *podSize, *namespaces, *page)
	fmt.Fprintf(&b, "KIND\tkind\tcount\terrors\tp50_ms\tp99_ms\tmax_ms\tfirst_error\n")
	var okOps, errOps int64
	for ri, r := range []recorder{fg, bg} {
		names := make([]string, 0, len(r))
		for k := range r {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			s := r[k]
			sort.Slice(s.lat, func(i, j int) bool { return s.lat[i] < s.lat[j] })
			if ri == 0 && loadKinds[k] {
				okOps += int64(len(s.lat))
				errOps += s.errs
			}
			mx := -1.0
			if len(s.lat) > 0 {
				mx = float64(s.lat[len(s.lat)-1]) / 1e6
			}
			fmt.Fprintf(&b, "KIND\t%s\t%d\t%d\t%.3f\t%.3f\t%.3f\t%s\n", k, len(s.lat), s.errs,
				pct(s.lat, 0.50), pct(s.lat, 0.99), mx, strings.ReplaceAll(s.firstErr, "\t", " "))
		}
	}
	fmt.Fprintf(&b, "TOTAL\tops %d\terrors %d\tseconds %.3f\tops_per_s %.1f\n", okOps, errOps, elapsed.Seconds(),
		float64(okOps)/elapsed.Seconds())
	emit(b.String())
}
