package ess

import (
	"io"
	"sync"
)

// aheadReader decompresses a zip entry in its own goroutine, a few chunks
// ahead of the tokenizer, so that inflating and tokenizing the worksheet
// use two cores. Memory is bounded: aheadChunks buffers of aheadSize.
type aheadReader struct {
	full  chan []byte // filled chunks; closed after the last
	free  chan []byte // chunks to refill
	done  chan struct{}
	once  sync.Once
	cur   []byte // unread part of chunk
	chunk []byte // the chunk being read, whole
	err   error  // set before full is closed
	inner io.Closer
}

const (
	aheadChunks = 4
	aheadSize   = 256 << 10
)

func newAheadReader(r io.Reader, c io.Closer) *aheadReader {
	a := &aheadReader{full: make(chan []byte, aheadChunks), free: make(chan []byte, aheadChunks), done: make(chan struct{}), inner: c}
	for range aheadChunks {
		a.free <- make([]byte, aheadSize)
	}
	go a.run(r)
	return a
}

func (a *aheadReader) run(r io.Reader) {
	defer close(a.full)
	for {
		var buf []byte
		select {
		case buf = <-a.free:
		case <-a.done:
			return
		}
		n, err := io.ReadFull(r, buf[:cap(buf)])
		if n > 0 {
			select {
			case a.full <- buf[:n]:
			case <-a.done:
				return
			}
		}
		if err != nil {
			if err != io.EOF && err != io.ErrUnexpectedEOF {
				a.err = err
			}
			return
		}
	}
}

func (a *aheadReader) Read(p []byte) (int, error) {
	if len(a.cur) == 0 {
		if a.chunk != nil {
			a.free <- a.chunk[:cap(a.chunk)]
			a.chunk = nil
		}
		buf, ok := <-a.full
		if !ok {
			if a.err != nil {
				return 0, a.err
			}
			return 0, io.EOF
		}
		a.chunk, a.cur = buf, buf
	}
	n := copy(p, a.cur)
	a.cur = a.cur[n:]
	return n, nil
}

// Close stops the goroutine, waits for it, and closes the entry.
func (a *aheadReader) Close() error {
	a.once.Do(func() { close(a.done) })
	for range a.full {
	}
	return a.inner.Close()
}
