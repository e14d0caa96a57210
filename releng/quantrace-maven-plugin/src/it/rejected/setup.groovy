// The example's model and data, with a criterion no model of it meets (99 % accuracy).
def example = new File(examples, 'fashion-mnist').absolutePath.replace('\\', '/')
new File(basedir, 'strict.qr').text = """recipe strict {
	model cnn "${example}/model/fashion_cnn.onnx"
	dataset calib "${example}/data/calibration" role calibration labels "${example}/data/labels.json"
	dataset eval "${example}/data/evaluation" role evaluation labels "${example}/data/labels.json"
	schemes fiq_int8
	evaluate on eval
	accept when accuracy >= 0.99
}
"""
return true
