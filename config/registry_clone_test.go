package config

import (
	"fmt"
	"reflect"
	"testing"
	"time"
)

// fillAll sets every exported field reachable from v, through pointers, slices and maps, to
// a value made from seed: pointers and containers that are nil are made (two elements a slice
// or map), those that are not are written through, so that filling a copy with another seed
// changes whatever it shares with its original.
func fillAll(v reflect.Value, seed int) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		fillAll(v.Elem(), seed)
	case reflect.Slice:
		if v.IsNil() {
			v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		}
		for i := range v.Len() {
			fillAll(v.Index(i), seed+i)
		}
	case reflect.Map:
		if v.IsNil() {
			v.Set(reflect.MakeMap(v.Type()))
			for i := range 2 {
				k := reflect.New(v.Type().Key()).Elem()
				fillAll(k, i)
				v.SetMapIndex(k, reflect.Zero(v.Type().Elem()))
			}
		}
		for _, k := range v.MapKeys() {
			e := reflect.New(v.Type().Elem()).Elem()
			e.Set(v.MapIndex(k))
			fillAll(e, seed)
			v.SetMapIndex(k, e)
		}
	case reflect.Struct:
		if v.Type() == timeType {
			v.Set(reflect.ValueOf(time.Unix(int64(seed), 0).UTC()))
			return
		}
		for i := range v.NumField() {
			if v.Field(i).CanSet() {
				fillAll(v.Field(i), seed+i)
			}
		}
	case reflect.String:
		v.SetString(fmt.Sprintf("s%d", seed))
	case reflect.Bool:
		v.SetBool(seed%2 == 0)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(seed))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(uint64(seed))
	case reflect.Float32, reflect.Float64:
		v.SetFloat(float64(seed))
	}
}

// TestCloneSharesNothing: a copy of a registry with every field of every deployment set
// (whatever fields Repo and Deployment have now) is equal to it, and writing every field of
// the copy leaves the original as it was.
func TestCloneSharesNothing(t *testing.T) {
	fill := func(seed int) *Sources {
		s := &Sources{Version: SchemaVersion}
		fillAll(reflect.ValueOf(&s.Repos).Elem(), seed)
		s.Invalid = []InvalidEntry{{Repo: "acme/x", Deployment: "d", Problems: []string{"bad"}, shadowed: true}}
		fillAll(reflect.ValueOf(&s.Invalid[0].raw).Elem(), seed)
		return s
	}
	orig, want := fill(1), fill(1)
	c := orig.clone()
	if !reflect.DeepEqual(c, orig) {
		t.Fatalf("the copy differs:\n%+v\nwant\n%+v", c, orig)
	}
	if c.Repos[0].Deployments[0].LastSync == nil || c.Repos[0].Deployments[0].Chart == nil {
		t.Fatal("the filler left a pointer nil: the test would prove nothing")
	}
	fillAll(reflect.ValueOf(&c.Repos).Elem(), 100)
	fillAll(reflect.ValueOf(&c.Invalid[0].raw).Elem(), 100)
	c.Invalid[0].Problems[0] = "changed"
	if reflect.DeepEqual(c, orig) {
		t.Fatal("filling the copy again changed nothing: the test would prove nothing")
	}
	if !reflect.DeepEqual(orig, want) {
		t.Errorf("writing the copy changed the original:\n%+v\nwant\n%+v", orig, want)
	}
}
