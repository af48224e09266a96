module github.com/moegate/moegate

go 1.26
