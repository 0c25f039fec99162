package sync

import (
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"fmt"
	"io"
)

// A render child and its parent talk in frames over the child's stdin and stdout: a 4-byte
// big-endian length, then that many bytes of one gob-encoded value (childRequest one way,
// childReply the other). A frame longer than the reader's bound is refused before it is read,
// so neither side can be made to allocate more than its bound by the other.

// Bounds on a frame.
const (
	// maxRequestFrame: the files of a chart (MaxChartBytes) and the options, encoded.
	maxRequestFrame = 2*MaxChartBytes + 1<<20
	// maxReplyFrame: rendered objects as JSON (MaxRenderedBytes of YAML, more as JSON) or an error.
	maxReplyFrame = 4*MaxRenderedBytes + 1<<20
)

// writeFrame encodes v with gob and writes it to w as one frame.
func writeFrame(w io.Writer, v any) error {
	var buf bytes.Buffer
	buf.Write(make([]byte, 4))
	if err := gob.NewEncoder(&buf).Encode(v); err != nil {
		return fmt.Errorf("failed to encode a frame: %w", err)
	}
	b := buf.Bytes()
	if len(b)-4 > 1<<31 {
		return fmt.Errorf("failed to encode a frame: %d bytes", len(b)-4)
	}
	binary.BigEndian.PutUint32(b, uint32(len(b)-4))
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("failed to write a frame: %w", err)
	}
	return nil
}

// readFrame reads one frame from r into v, refusing one longer than limit. It returns io.EOF
// only when r ends cleanly before a frame; a frame cut short is io.ErrUnexpectedEOF.
func readFrame(r io.Reader, limit int, v any) error {
	var head [4]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return err
	}
	n := binary.BigEndian.Uint32(head[:])
	if int64(n) > int64(limit) {
		return fmt.Errorf("a frame of %d bytes, more than the limit of %d", n, limit)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return err
	}
	if err := gob.NewDecoder(bytes.NewReader(body)).Decode(v); err != nil {
		return fmt.Errorf("failed to decode a frame: %w", err)
	}
	return nil
}
