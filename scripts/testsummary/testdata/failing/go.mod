module t2j

go 1.24
