// The build passed, and the run left its outputs where the plugin says.
def out = new File(basedir, 'target/quantrace/fashion_cnn')
assert new File(out, 'results.json').text.contains('"accepted" : true')
assert new File(out, 'logs/PhIMT0003-cnn.docx').length() > 1000
assert new File(out, 'models/cnn/fiq_int8.onnx').isFile()
def log = new File(basedir, 'build.log').text
assert log.contains('Quantrace: accepted, report')
return true
