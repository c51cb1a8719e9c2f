module example.com/safe

go 1.24
