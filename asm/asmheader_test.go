package asm

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
)

// TestHeaderFrameRefs: go vet's asmdecl checks the argument references
// (name+off(FP)) in a .s file's TEXT, but not those in macros of the .h
// files it includes. The phases of the lanes kernels read their arguments
// in such macros (lanes_<phase>_<isa>_amd64.h), so this test checks each
// reference there against the amd64 frame of the kernel's Go prototype:
// name is one of its arguments or results, and off its offset.
func TestHeaderFrameRefs(t *testing.T) {
	owner := map[string]string{"avx2": "lanesAVX2", "avx512": "lanesAVX512"}
	protos := map[string]*ast.FuncType{}
	gofiles, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range gofiles {
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Body == nil && fd.Recv == nil {
				protos[fd.Name.Name] = fd.Type
			}
		}
	}
	headers, err := filepath.Glob("lanes_*_amd64.h")
	if err != nil {
		t.Fatal(err)
	}
	hname := regexp.MustCompile(`^lanes_[a-z]+_(avx2|avx512)_amd64\.h$`)
	ref := regexp.MustCompile(`\b([A-Za-z_]\w*)\+(\d+)\(FP\)`)
	checked := 0
	for _, h := range headers {
		m := hname.FindStringSubmatch(h)
		if m == nil {
			continue
		}
		fn := owner[m[1]]
		ft := protos[fn]
		if ft == nil {
			t.Fatalf("%s: no Go prototype of %s", h, fn)
		}
		frame := amd64Frame(t, fn, ft)
		text, err := os.ReadFile(h)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range ref.FindAllStringSubmatch(string(text), -1) {
			off, _ := strconv.Atoi(r[2])
			want, ok := frame[r[1]]
			switch {
			case !ok:
				t.Errorf("%s: %s: %s is not an argument of %s", h, r[0], r[1], fn)
			case off != want:
				t.Errorf("%s: %s: %s is at %d in %s's frame", h, r[0], r[1], want, fn)
			}
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("no argument reference found in lanes_*_amd64.h")
	}
}

// amd64Frame returns the offset of each argument and result of a Go
// function in its assembly (ABI0) frame on amd64: each at the next
// multiple of its size, the results from the next multiple of 8 after the
// arguments. Only the types the kernels take are known.
func amd64Frame(t *testing.T, fn string, ft *ast.FuncType) map[string]int {
	size := func(e ast.Expr) int {
		switch e := e.(type) {
		case *ast.StarExpr:
			return 8
		case *ast.Ident:
			switch e.Name {
			case "int", "int64", "uint64", "uintptr":
				return 8
			case "float32", "int32", "uint32":
				return 4
			}
		}
		t.Fatalf("%s: argument type %T not handled", fn, e)
		return 0
	}
	frame := map[string]int{}
	off := 0
	add := func(fl *ast.FieldList) {
		if fl == nil {
			return
		}
		for _, f := range fl.List {
			s := size(f.Type)
			for _, n := range f.Names {
				off = (off + s - 1) / s * s
				frame[n.Name] = off
				off += s
			}
		}
	}
	add(ft.Params)
	off = (off + 7) / 8 * 8
	add(ft.Results)
	return frame
}
