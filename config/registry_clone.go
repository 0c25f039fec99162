package config

import (
	"reflect"
	gosync "sync"
	"time"
)

// A Registry keeps the registry it last decoded (registry_snapshot.go) and hands out deep
// copies of it, so that no caller's change reaches the kept one. The copy is made by
// reflection rather than field by field, so that a field added to Repo or Deployment (or to
// what they point to) is copied too without anyone remembering to.

// clone returns a deep copy of s: nothing of it shares memory with s that a change through
// the copy could reach.
func (s *Sources) clone() *Sources {
	out := &Sources{Version: s.Version, Repos: deepCopy(s.Repos)}
	if s.Invalid != nil {
		out.Invalid = make([]InvalidEntry, len(s.Invalid))
		for i, e := range s.Invalid {
			e.Problems = deepCopy(e.Problems)
			e.raw = deepCopy(e.raw)
			out.Invalid[i] = e
		}
	}
	return out
}

// deepCopy returns a copy of x that shares no pointer, slice or map with it through exported
// fields. Unexported fields are copied as values (time.Time's location, which is never
// changed in place).
func deepCopy[T any](x T) T {
	src := reflect.ValueOf(&x).Elem()
	dst := reflect.New(src.Type()).Elem()
	copyValue(dst, src)
	return dst.Interface().(T)
}

func copyValue(dst, src reflect.Value) {
	switch src.Kind() {
	case reflect.Pointer:
		if src.IsNil() {
			return
		}
		p := reflect.New(src.Type().Elem())
		copyValue(p.Elem(), src.Elem())
		dst.Set(p)
	case reflect.Slice:
		if src.IsNil() {
			return
		}
		n := src.Len()
		s := reflect.MakeSlice(src.Type(), n, n)
		if flat(src.Type().Elem()) {
			reflect.Copy(s, src)
		} else {
			for i := range n {
				copyValue(s.Index(i), src.Index(i))
			}
		}
		dst.Set(s)
	case reflect.Map:
		if src.IsNil() {
			return
		}
		m := reflect.MakeMapWithSize(src.Type(), src.Len())
		it := src.MapRange()
		for it.Next() {
			v := reflect.New(src.Type().Elem()).Elem()
			copyValue(v, it.Value())
			m.SetMapIndex(it.Key(), v) // keys are comparable: strings and values, never changed in place
		}
		dst.Set(m)
	case reflect.Struct:
		dst.Set(src) // every field by value, the unexported ones too
		for _, i := range fieldsOf(src.Type()) {
			copyValue(dst.Field(i), src.Field(i))
		}
	case reflect.Array:
		for i := range src.Len() {
			copyValue(dst.Index(i), src.Index(i))
		}
	case reflect.Interface:
		if src.IsNil() {
			return
		}
		v := reflect.New(src.Elem().Type()).Elem()
		copyValue(v, src.Elem())
		dst.Set(v)
	default: // bool, numbers, strings: values
		dst.Set(src)
	}
}

var (
	timeType   = reflect.TypeFor[time.Time]()
	flatTypes  gosync.Map // reflect.Type: bool
	fieldLists gosync.Map // reflect.Type: []int
)

// fieldsOf returns the indexes of t's exported fields that a value copy does not copy deeply.
func fieldsOf(t reflect.Type) []int {
	if v, ok := fieldLists.Load(t); ok {
		return v.([]int)
	}
	var out []int
	for i := range t.NumField() {
		if f := t.Field(i); f.IsExported() && !flat(f.Type) {
			out = append(out, i)
		}
	}
	fieldLists.Store(t, out)
	return out
}

// flat reports whether t holds nothing a change could reach through a copy: a value copy is
// a deep one. time.Time is: its location is never changed in place.
func flat(t reflect.Type) bool {
	if v, ok := flatTypes.Load(t); ok {
		return v.(bool)
	}
	f := isFlat(t)
	flatTypes.Store(t, f)
	return f
}

func isFlat(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface, reflect.Chan, reflect.Func, reflect.UnsafePointer:
		return false
	case reflect.Struct:
		if t == timeType {
			return true
		}
		for i := range t.NumField() {
			if !flat(t.Field(i).Type) {
				return false
			}
		}
		return true
	case reflect.Array:
		return flat(t.Elem())
	}
	return true
}
