module github.com/moegate/moegate

go 1.26

require golang.org/x/sys v0.41.0
