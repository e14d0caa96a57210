def log = new File(basedir, 'build.log').text
assert log.contains('Quantrace: a variant failed its acceptance criteria in strict.qr')
assert new File(basedir, 'target/quantrace/strict/models/cnn/fiq_int8.onnx').isFile() : 'the rejected variant is still saved'
return true
