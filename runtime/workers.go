package runtime

import "time"

// Children run on pooled goroutines: a goroutine that has run one child
// has grown the stack that wazero's calls need, and the next child on it
// skips that growth. A worker waits for work at most workerIdle, so that a
// quiet process keeps no goroutine for long; at most maxIdleWorkers wait.
const (
	workerIdle     = 500 * time.Millisecond
	maxIdleWorkers = 64
)

var (
	work = make(chan func())                   // to an idle worker
	idle = make(chan struct{}, maxIdleWorkers) // a token per idle worker
)

// goPooled runs f on an idle worker, or on a new goroutine.
func goPooled(f func()) {
	select {
	case work <- f:
	default:
		go worker(f)
	}
}

func worker(f func()) {
	for {
		f()
		select {
		case idle <- struct{}{}:
		default:
			return // enough wait already
		}
		t := time.NewTimer(workerIdle)
		select {
		case f = <-work:
			t.Stop()
			<-idle
		case <-t.C:
			<-idle
			return
		}
	}
}
